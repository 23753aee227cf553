# LFS 12.3 chapter 8.42: Less.
mkdir src && tar -xf "$SOURCES/less-668.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr --sysconfdir=/etc
make
make install
