# GNU hello 2.10, installed into the LFS tree as LFS chapter 8 would.
tar -xf "$SOURCES/hello-2.10.tar.gz"
cd hello-2.10
# Reproducibility: debug info names the source directory; map it to "."
# so that the build path does not leak into the binary.
./configure --prefix=/usr CFLAGS="-O2 -g -ffile-prefix-map=$PWD=."
make
make DESTDIR="$LFS" install
# The info directory index is rebuilt by every install-info run: drop it.
rm -f "$LFS/usr/share/info/dir"
