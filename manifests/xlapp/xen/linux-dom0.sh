# A dom0-capable XLAPP kernel: kernel/xlapp.config plus kernel/xen-dom0.config,
# built as /boot/vmlinuz-<version>-xlapp-dom0, and a GRUB entry that boots
# it under Xen (multiboot2).
mkdir src && tar -xf "$SOURCES/linux-6.12.41.tar.xz" -C src --strip-components=1
cd src
export KBUILD_BUILD_TIMESTAMP="@$SOURCE_DATE_EPOCH"
export KBUILD_BUILD_USER=xbuild KBUILD_BUILD_HOST=xbuild KBUILD_BUILD_VERSION=1
# No "make mrproper": the tree is fresh from the tarball, and in Debian's
# repacked tree (xlapp-debian) it descends into removed non-free drivers.
make defconfig
scripts/kconfig/merge_config.sh -m .config "$SOURCES/xlapp.config" "$SOURCES/xen-dom0.config"
make olddefconfig
cat "$SOURCES/xlapp.config" "$SOURCES/xen-dom0.config" | grep '^CONFIG_' | sort -u -t= -k1,1 |
  while IFS= read -r line; do
    key=${line%%=*}
    want=$(grep "^$key=" "$SOURCES/xen-dom0.config" || echo "$line")
    grep -qxF "$want" .config || { echo "kernel config lost: $want" >&2; exit 1; }
  done
make
release=$(make -s kernelrelease)
cp arch/x86/boot/bzImage "/boot/vmlinuz-$release"
cp System.map "/boot/System.map-$release"
cp .config "/boot/config-$release"
xen=$(cd /boot && ls xen-*.gz | grep -v -- '-syms' | sort -V | tail -n1)
cat >> /boot/grub/grub.cfg <<EOC
menuentry "XLAPP dom0 on Xen ($release)" {
  multiboot2 /boot/$xen dom0_mem=2048M,max:2048M console=com1,vga com1=115200,8n1
  module2 /boot/vmlinuz-$release root=${XLAPP_ROOT_DEV:-/dev/xvda1} ro console=hvc0 panic=10
}
EOC
