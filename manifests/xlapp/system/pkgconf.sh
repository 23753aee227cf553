# LFS 12.3 chapter 8.19: Pkgconf.
mkdir src && tar -xf "$SOURCES/pkgconf-1.8.1.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --disable-static --docdir=/usr/share/doc/pkgconf-1.8.1
make
make install
ln -sfn pkgconf /usr/bin/pkg-config
