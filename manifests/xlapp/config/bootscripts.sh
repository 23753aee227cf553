# LFS 12.3 chapter 9, XLAPP's way: install XLAPP's own sysvinit boot
# scripts (manifests/xlapp/files, written for XLAPP) and the
# xlapp-watchdog init script, and link them into the runlevels.
install -d -m755 /etc/rc.d/init.d /etc/rc.d/rc{0,1,2,3,4,5,6,S}.d /etc/sysconfig /etc/xlapp /var/lib
install -m644 "$SOURCES/inittab" /etc/inittab
install -m755 "$SOURCES/rc" /etc/rc.d/rc
install -m755 "$SOURCES/console-getty" /usr/sbin/console-getty
for s in sysinit network syslog shutdown xlapp-watchdog; do
  install -m755 "$SOURCES/$s" "/etc/rc.d/init.d/$s"
done
# on PATH: the trial's banner tells root to run "xlapp-watchdog stop"
ln -sfn ../../etc/rc.d/init.d/xlapp-watchdog /usr/sbin/xlapp-watchdog
[ -x /usr/sbin/xlapp-watchdog ] || { echo "xlapp-watchdog is not on PATH" >&2; exit 1; }

# Runlevel links: S = start in that runlevel, K = stop when entering it.
link() { ln -sfn "../init.d/$3" "/etc/rc.d/rc$1.d/$2$3"; }
for rl in 2 3 4 5; do link "$rl" S10 syslog; done
for rl in 3 4 5; do link "$rl" S20 network; done
for rl in 3 5; do link "$rl" S99 xlapp-watchdog; done
for rl in 0 1 6; do link "$rl" K80 network; link "$rl" K90 syslog; done
for rl in 0 6; do link "$rl" S99 shutdown; done

install -m644 "$SOURCES/services" /etc/services
install -m644 "$SOURCES/protocols" /etc/protocols
cat > /etc/syslog.conf <<'EOC'
# /etc/syslog.conf
auth,authpriv.*  -/var/log/auth.log
*.*;auth,authpriv.none  -/var/log/sys.log
mail.*  -/var/log/mail.log
*.emerg  *
EOC
cat > /etc/fstab <<'EOC'
# file system  mount-point  type   options              dump fsck
/dev/xvda1     /            ext4   defaults             1    1
proc           /proc        proc   nosuid,noexec,nodev  0    0
sysfs          /sys         sysfs  nosuid,noexec,nodev  0    0
devpts         /dev/pts     devpts gid=5,mode=620       0    0
tmpfs          /run         tmpfs  defaults             0    0
devtmpfs       /dev         devtmpfs mode=0755,nosuid   0    0
tmpfs          /dev/shm     tmpfs  nosuid,nodev         0    0
EOC
cat > /etc/profile <<'EOC'
# /etc/profile
export PATH=/usr/bin:/usr/sbin
export LANG=C.UTF-8
umask 022
[ "$PS1" ] && PS1='\u@\h:\w\$ '
EOC
cat > /etc/shells <<'EOC'
/bin/sh
/bin/bash
EOC
cat > /etc/inputrc <<'EOC'
set horizontal-scroll-mode Off
set meta-flag On
set input-meta On
set convert-meta Off
set output-meta On
set bell-style none
EOC
cat > /etc/sysctl.conf <<'EOC'
# Reboot 10 s after a panic (the trial-boot watchdog relies on it).
kernel.panic = 10
EOC
cat > /etc/lsb-release <<'EOC'
DISTRIB_ID="XLAPP"
DISTRIB_RELEASE="12.3"
DISTRIB_DESCRIPTION="XLAPP, a Linux From Scratch server"
EOC
cat > /etc/os-release <<'EOC'
NAME="XLAPP"
VERSION="12.3"
ID=xlapp
PRETTY_NAME="XLAPP 12.3"
EOC
