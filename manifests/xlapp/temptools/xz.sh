# LFS 12.3 chapter 6.16: Xz.
mkdir src && tar -xf "$SOURCES/xz-5.8.1.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr \
  --host="$LFS_TGT" \
  --build="$(build-aux/config.guess)" \
  --disable-static \
  --docdir=/usr/share/doc/xz-5.8.1
make
make DESTDIR="$LFS" install
rm -v "$LFS/usr/lib/liblzma.la"
