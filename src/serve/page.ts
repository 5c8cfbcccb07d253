export const PAGE_HTML = "<!doctype html><title>zarr-plan</title>";
