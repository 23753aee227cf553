# Chapter 8.14's bc: GNU bc 1.07.1 (Debian's bc) instead of Gavin
# Howard's; the kernel build needs a bc. Built with make -j1: its
# generated libmath.h races under -j.
mkdir src && tar -xf "$SOURCES/bc-1.07.1.tar.gz" -C src --strip-components=1
cd src
# bc/fix-libmath_h edits the generated libmath.h with ed, which LFS does
# not have: the same edits with sed (checked against ed's output).
printf '%s\n' \
  "sed -i -e '1s/^/{\"/' -e 's/\$/\",/' -e '2,\$s/^/\"/' libmath.h" \
  "sed -i -e '\$d' libmath.h" \
  "sed -i -e '\$s/,\$/,0}/' libmath.h" > bc/fix-libmath_h
./configure --prefix=/usr --with-readline
make
make install
