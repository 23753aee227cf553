# GNU hello 2.10, installed into the LFS tree as LFS chapter 8 would.
tar -xf "$SOURCES/hello-2.10.tar.gz"
cd hello-2.10
./configure --prefix=/usr
make
make DESTDIR="$LFS" install
# The info directory index is rebuilt by every install-info run: drop it.
rm -f "$LFS/usr/share/info/dir"
