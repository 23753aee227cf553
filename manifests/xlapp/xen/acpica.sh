# ACPICA's iasl: Xen's build compiles the ACPI tables that libxl gives
# PVH/HVM guests (tools/libacpi). Build-time only.
mkdir src && tar -xf "$SOURCES/acpica-unix-20241212.tar.gz" -C src --strip-components=1
cd src
make iasl
install -m755 generate/unix/bin/iasl /usr/bin/iasl
