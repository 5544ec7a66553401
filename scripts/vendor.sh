#!/usr/bin/env bash
# Copy the front-end files the pages need from node_modules (installed by `npm ci`) to static/vendor/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p static/vendor
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

# Camera scanning where the browser has no BarcodeDetector: the barcode-detector ponyfill (ES module, loaded by
# static/js/scan.js with import() only when needed) and the ZXing *reader* wasm it runs, served from our own
# static files (by default the module would fetch the wasm from a CDN; scan.js points it here instead).
bd=static/vendor/barcode-detector
rm -rf "$bd"
mkdir -p "$bd"
cp node_modules/barcode-detector/dist/es/ponyfill.js node_modules/barcode-detector/dist/es/zxing-exported.js "$bd/"
cp node_modules/zxing-wasm/dist/reader/zxing_reader.wasm "$bd/"
cp node_modules/barcode-detector/LICENSE "$bd/LICENSE"
# The module's JS glue is bundled for one exact zxing-wasm build and records its sha256: refuse a mismatched wasm.
wasm_sha256=$(sha256sum "$bd/zxing_reader.wasm" | cut -c1-64)
if ! grep -q "$wasm_sha256" "$bd/zxing-exported.js"; then
  echo "vendor.sh: zxing_reader.wasm (sha256 $wasm_sha256) is not the build barcode-detector expects" >&2
  exit 1
fi

# The API reference at /api/docs (logistics.vouchers.api_docs): Swagger UI's bundle and stylesheet, served from
# our own static files under the CSP (static/js/api-docs.js starts it; no CDN, no inline script).
su=static/vendor/swagger-ui
rm -rf "$su"
mkdir -p "$su"
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css "$su/"
cp node_modules/swagger-ui-dist/LICENSE node_modules/swagger-ui-dist/NOTICE node_modules/swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt "$su/"
# Without their .map files next to them, drop the source-map comments (a browser's devtools would ask for them).
sed -i '/^\/\/# sourceMappingURL=/d' "$su/swagger-ui-bundle.js"
sed -i 's|/\*# sourceMappingURL=[^*]*\*/||' "$su/swagger-ui.css"
