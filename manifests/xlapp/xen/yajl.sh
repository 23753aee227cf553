# YAJL 2.1.0, the JSON library libxl needs. Its own build uses CMake, which
# XLAPP does not have; the library is small enough to build directly.
mkdir src && tar -xf "$SOURCES/yajl-2.1.0.tar.gz" -C src --strip-components=1
cd src/src
sed -e 's/${YAJL_MAJOR}/2/' -e 's/${YAJL_MINOR}/1/' -e 's/${YAJL_MICRO}/0/' \
  api/yajl_version.h.cmake > api/yajl_version.h
mkdir -p include/yajl
cp api/*.h include/yajl/
gcc -O2 -fPIC -DNDEBUG -Iinclude -c yajl*.c
gcc -shared -Wl,-soname,libyajl.so.2 -o libyajl.so.2.1.0 yajl*.o
install -d /usr/include/yajl
install -m644 include/yajl/*.h /usr/include/yajl
install -m755 libyajl.so.2.1.0 /usr/lib
ln -sfn libyajl.so.2.1.0 /usr/lib/libyajl.so.2
ln -sfn libyajl.so.2 /usr/lib/libyajl.so
cat > /usr/lib/pkgconfig/yajl.pc <<'EOC'
prefix=/usr
libdir=${prefix}/lib
includedir=${prefix}/include
Name: Yet Another JSON Library
Description: A Portable JSON parsing and serialization library in ANSI C
Version: 2.1.0
Cflags: -I${includedir}
Libs: -L${libdir} -lyajl
EOC
