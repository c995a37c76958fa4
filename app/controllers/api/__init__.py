"""The JSON APIs, one package per version: `v1/` is the original application's contract (api-v1.md)."""
