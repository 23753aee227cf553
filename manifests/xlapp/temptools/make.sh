# LFS 12.3 chapter 6.12: Make.
mkdir src && tar -xf "$SOURCES/make-4.4.1.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr \
  --without-guile \
  --host="$LFS_TGT" \
  --build="$(build-aux/config.guess)"
make
make DESTDIR="$LFS" install
