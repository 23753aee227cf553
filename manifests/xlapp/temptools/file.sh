# LFS 12.3 chapter 6.7: File (a host-side file is built first).
mkdir src && tar -xf "$SOURCES/file-5.46.tar.gz" -C src --strip-components=1
cd src
mkdir build
pushd build
  ../configure --disable-bzlib --disable-libseccomp --disable-xzlib --disable-zlib
  make
popd
./configure --prefix=/usr --host="$LFS_TGT" --build="$(./config.guess)"
make FILE_COMPILE="$(pwd)/build/src/file"
make DESTDIR="$LFS" install
rm -v "$LFS/usr/lib/libmagic.la"
