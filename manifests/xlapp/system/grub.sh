# LFS 12.3 chapter 8.65: GRUB for BIOS boot (multiboot2, used to boot Xen).
mkdir src && tar -xf "$SOURCES/grub-2.12.tar.xz" -C src --strip-components=1
cd src
unset {C,CPP,CXX,LD}FLAGS
echo depends bli part_gpt > grub-core/extra_deps.lst
./configure --prefix=/usr --sysconfdir=/etc --disable-efiemu --disable-werror
make
make install
mv /etc/bash_completion.d/grub /usr/share/bash-completion/completions 2>/dev/null || true
