# LFS 12.3 chapter 10.4: a GRUB menu for the XLAPP kernel. Installing GRUB
# on a disk (grub-install) is the job of "xbuild install", not of a build.
install -d /boot/grub
release=$(cd /boot && ls vmlinuz-*-xlapp | sed 's/^vmlinuz-//' | sort -V | tail -n1)
cat > /boot/grub/grub.cfg <<EOC
set default=0
set timeout=5
menuentry "XLAPP ($release)" {
  linux /boot/vmlinuz-$release root=${XLAPP_ROOT_DEV:-/dev/xvda1} ro console=tty0 console=ttyS0,115200 console=hvc0 panic=10
}
EOC
