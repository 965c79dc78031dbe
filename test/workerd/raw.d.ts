/** A file's text, imported with vite's `?raw` (the route table test reads docs/API.md). */
declare module "*.md?raw" {
  const text: string;
  export default text;
}
