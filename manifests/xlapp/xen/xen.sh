# Xen 4.17: the hypervisor and the minimal toolstack: xl, libxl, xenstored
# (C xenstored, not oxenstored) and the xencommons/xendomains init scripts.
# No qemu-traditional, no stub domains, no firmware beyond hvmloader's ACPI,
# no OCaml, no Go, no X11. Python is used to build, never at run time:
# every Python program Xen installs is removed at the end.
mkdir src && tar -xf "$SOURCES/xen-4.17.5+72-g01140da4e8.tar.xz" -C src --strip-components=1
cd src
# Reproducibility: Xen records who built it, where and when.
export XEN_BUILD_DATE="$(date -u -d "@$SOURCE_DATE_EPOCH" '+%a %b %e %H:%M:%S UTC %Y')"
export XEN_BUILD_TIME="$(date -u -d "@$SOURCE_DATE_EPOCH" '+%H:%M:%S')"
export XEN_WHOAMI=xbuild XEN_DOMAIN=localdomain XEN_BUILD_HOST=xbuild
./configure --prefix=/usr \
  --libdir=/usr/lib \
  --sysconfdir=/etc \
  --with-initddir=/etc/rc.d/init.d \
  --with-sysconfig-leaf-dir=sysconfig \
  --with-system-qemu=/usr/lib/xen/bin/qemu-system-i386 \
  --disable-qemu-traditional \
  --disable-stubdom \
  --disable-seabios \
  --disable-rombios \
  --disable-ipxe \
  --disable-ovmf \
  --disable-ocamltools \
  --disable-golang \
  --disable-pvshim \
  --disable-docs \
  --disable-systemd \
  --with-xenstored=xenstored
make dist-xen
make dist-tools
make install-xen
make install-tools
# No Python at run time.
find /usr/bin /usr/sbin /usr/lib/xen -type f | while read -r f; do
  if head -c 64 "$f" | grep -q '^#!.*python'; then rm -f "$f"; fi
done
rm -rf /usr/lib/python3*/site-packages/xen /usr/lib/python3*/site-packages/grub /usr/lib/python3*/site-packages/pygrub* /usr/lib/python3*/site-packages/xen-*
for rl in 3 4 5; do
  ln -sfn ../init.d/xencommons "/etc/rc.d/rc$rl.d/S40xencommons"
  ln -sfn ../init.d/xendomains "/etc/rc.d/rc$rl.d/S50xendomains"
done
for rl in 0 1 6; do
  ln -sfn ../init.d/xendomains "/etc/rc.d/rc$rl.d/K20xendomains"
  ln -sfn ../init.d/xencommons "/etc/rc.d/rc$rl.d/K70xencommons"
done
