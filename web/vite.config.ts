import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    rolldownOptions: {
      output: {
        // Libraries change less often than the app: separate chunks stay cached across deploys.
        codeSplitting: {
          groups: [
            { name: "react", test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: "xyflow", test: /node_modules[\\/](@xyflow|d3-[a-z]+|classcat|zustand)[\\/]/ },
            // The expression engine: only the kinds' evaluators load it (core/kinds/evaluate.ts),
            // and the browser never evaluates, so it stays a chunk nothing loads.
            { name: "expressions", test: /node_modules[\\/](jsonata|re2js|safe-regex2|ret)[\\/]/ },
            // The dashboard's charts: only that page (loaded when opened) needs them.
            { name: "charts", test: /node_modules[\\/]uplot[\\/]/ },
            { name: "vendor", test: /node_modules[\\/]/ },
          ],
        },
      },
    },
  },
  server: { proxy: { "/api": { target: "http://127.0.0.1:8787", ws: true } } },
});
