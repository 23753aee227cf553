# LFS 12.3 chapter 6.4: Bash.
mkdir src && tar -xf "$SOURCES/bash-5.2.37.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr \
  --build="$(sh support/config.guess)" \
  --host="$LFS_TGT" \
  --without-bash-malloc
make
make DESTDIR="$LFS" install
ln -sv bash "$LFS/bin/sh"
