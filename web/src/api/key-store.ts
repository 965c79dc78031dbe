const STORAGE_KEY = "aob.apiKey";

/** The API key kept in this browser (localStorage), or null when signed out. */
export function loadKey(): string | null {
  const key = window.localStorage.getItem(STORAGE_KEY);
  return key && key.trim() !== "" ? key : null;
}

export function saveKey(key: string): void {
  window.localStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  window.localStorage.removeItem(STORAGE_KEY);
}
