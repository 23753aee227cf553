# LFS 12.3 chapter 10.3: the XLAPP kernel from the committed config
# fragment kernel/xlapp.config, reproducibly (fixed build timestamp, user,
# host and version; no module signing key).
mkdir src && tar -xf "$SOURCES/linux-6.12.41.tar.xz" -C src --strip-components=1
cd src
export KBUILD_BUILD_TIMESTAMP="@$SOURCE_DATE_EPOCH"
export KBUILD_BUILD_USER=xbuild KBUILD_BUILD_HOST=xbuild KBUILD_BUILD_VERSION=1
# No "make mrproper": the tree is fresh from the tarball, and in Debian's
# repacked tree (xlapp-debian) it descends into removed non-free drivers.
make defconfig
scripts/kconfig/merge_config.sh -m .config "$SOURCES/xlapp.config"
make olddefconfig
# Every line of the fragment must have survived (a typo or a dependency
# that olddefconfig dropped would otherwise go unnoticed).
grep '^CONFIG_' "$SOURCES/xlapp.config" | while IFS= read -r line; do
  grep -qxF "$line" .config || { echo "kernel config lost: $line" >&2; exit 1; }
done
make
release=$(make -s kernelrelease)
install -d /boot
cp arch/x86/boot/bzImage "/boot/vmlinuz-$release"
cp System.map "/boot/System.map-$release"
cp .config "/boot/config-$release"
