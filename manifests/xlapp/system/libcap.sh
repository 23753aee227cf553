# LFS 12.3 chapter 8.26: Libcap.
mkdir src && tar -xf "$SOURCES/libcap-2.75.tar.xz" -C src --strip-components=1
cd src
sed -i '/install -m.*STA/d' libcap/Makefile
make prefix=/usr lib=lib
make prefix=/usr lib=lib install
