# LFS 12.3 chapter 6.8: Findutils.
mkdir src && tar -xf "$SOURCES/findutils-4.10.0.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr \
  --localstatedir=/var/lib/locate \
  --host="$LFS_TGT" \
  --build="$(build-aux/config.guess)"
make
make DESTDIR="$LFS" install
