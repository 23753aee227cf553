# LFS 12.3 chapter 5.4: Linux API headers.
mkdir src && tar -xf "$SOURCES/linux-6.12.41.tar.xz" -C src --strip-components=1
cd src
# No "make mrproper": the tree is fresh from the tarball, and in Debian's
# repacked tree (xlapp-debian) it descends into removed non-free drivers.
make headers
find usr/include -type f ! -name '*.h' -delete
cp -r usr/include "$LFS/usr"
