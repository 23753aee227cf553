# LFS 12.3 chapter 8.50: Libffi, for a generic x86_64 (--with-gcc-arch).
mkdir src && tar -xf "$SOURCES/libffi-3.4.8.tar.gz" -C src --strip-components=1
cd src
# Debian's orig (xlapp-debian) is a git export: make configure first.
[ -x configure ] || autoreconf -fi
./configure --prefix=/usr --disable-static --with-gcc-arch=x86-64
make
make install
