import "@xyflow/react/dist/style.css";
import "./ui/tokens.css";
import "./ui/base.css";
import "./ui/controls.css";
import "./ui/layout.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";

const root = document.getElementById("root");
if (!root) throw new Error("missing #root");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
