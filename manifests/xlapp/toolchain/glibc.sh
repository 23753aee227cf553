# LFS 12.3 chapter 5.5: Glibc-2.41, then the book's toolchain sanity check.
ln -sfn ../lib/ld-linux-x86-64.so.2 "$LFS/lib64"
ln -sfn ../lib/ld-linux-x86-64.so.2 "$LFS/lib64/ld-lsb-x86-64.so.3"
mkdir src && tar -xf "$SOURCES/glibc-2.41.tar.xz" -C src --strip-components=1
cd src
# The effect of LFS's glibc-2.41-fhs-1.patch: programs keep their runtime
# data in FHS places (/var/lib/nss_db, not /var/db).
sed -i 's@/var/db/@/var/lib/nss_db/@' sysdeps/generic/paths.h sysdeps/unix/sysv/linux/paths.h
sed -i 's@^VAR_DB = /var/db$@VAR_DB = /var/lib/nss_db@' nss/db-Makefile
# Debian's glibc orig (xlapp-debian) has no manual/ (GFDL): skip that subdir.
[ -d manual ] || sed -i 's/ wctype manual po / wctype po /' Makeconfig
mkdir build && cd build
echo "rootsbindir=/usr/sbin" > configparms
../configure \
  --prefix=/usr \
  --host="$LFS_TGT" \
  --build="$(../scripts/config.guess)" \
  --enable-kernel=5.4 \
  --with-headers="$LFS/usr/include" \
  --disable-nscd \
  libc_cv_slibdir=/usr/lib
make
make DESTDIR="$LFS" install
sed '/RTLDLIST=/s@/usr@@g' -i "$LFS/usr/bin/ldd"

# Sanity check (LFS 5.5): the cross compiler links against the new glibc and
# the program asks for the LFS dynamic loader.
cd "$HOME"
echo 'int main(){}' | "$LFS_TGT-gcc" -x c - -o sanity
interp=$(readelf -l sanity | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p')
echo "sanity check: program interpreter is '$interp'"
[ "$interp" = /lib64/ld-linux-x86-64.so.2 ]
rm sanity
