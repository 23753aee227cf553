# LFS 12.3 chapter 8.39: Gperf.
mkdir src && tar -xf "$SOURCES/gperf-3.1.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr --docdir=/usr/share/doc/gperf-3.1
make
make install
