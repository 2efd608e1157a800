export { buildDashboard } from "./build.js";
