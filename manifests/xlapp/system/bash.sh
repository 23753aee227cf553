# LFS 12.3 chapter 8.36: Bash.
mkdir src && tar -xf "$SOURCES/bash-5.2.37.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr \
  --without-bash-malloc \
  --with-installed-readline \
  --docdir=/usr/share/doc/bash-5.2.37
make
make install
