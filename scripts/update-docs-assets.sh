#!/usr/bin/env bash
# Refresh the Swagger UI and ReDoc files served at /docs and /redoc from the npm registry.
# The service ships them inside the package (app/docs/static) so the docs work on a closed
# network. To update: change a version below, run this script, run the docs tests, commit.
set -euo pipefail
SWAGGER_UI_DIST=5.35.0
REDOC=2.5.4

cd "$(dirname "$0")/.."
target=app/docs/static
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "swagger-ui-dist@$SWAGGER_UI_DIST" "redoc@$REDOC" >/dev/null)
mkdir -p "$work/swagger" "$work/redoc"
tar xzf "$work/swagger-ui-dist-$SWAGGER_UI_DIST.tgz" -C "$work/swagger"
tar xzf "$work/redoc-$REDOC.tgz" -C "$work/redoc"

rm -rf "$target/swagger-ui" "$target/redoc"
mkdir -p "$target/swagger-ui" "$target/redoc"
for file in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css LICENSE NOTICE favicon-32x32.png; do
    cp "$work/swagger/package/$file" "$target/swagger-ui/"
done
for file in bundles/redoc.standalone.js bundles/redoc.standalone.js.LICENSE.txt LICENSE; do
    cp "$work/redoc/package/$file" "$target/redoc/"
done
printf 'swagger-ui-dist %s\nredoc %s\n' "$SWAGGER_UI_DIST" "$REDOC" >"$target/VERSIONS"
(cd "$target" && find swagger-ui redoc -type f | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)
echo "vendored swagger-ui-dist $SWAGGER_UI_DIST and redoc $REDOC into $target"
