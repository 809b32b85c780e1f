export * from "api";
