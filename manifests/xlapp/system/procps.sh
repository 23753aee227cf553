# LFS 12.3 chapter 8.80: Procps-ng.
mkdir src && tar -xf "$SOURCES/procps-ng-4.0.4.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --docdir=/usr/share/doc/procps-ng-4.0.4 --disable-static --disable-kill --without-systemd
make
make install
