# LFS 12.3 chapters 7.2, 7.5 and 7.6: the tree now belongs to root, gets
# its full directory layout and the essential files. Runs with the LFS
# tree as "/"; /proc, /sys, /dev, /tmp are the sandbox's mounts.
chown --from 1000 -R 0:0 /usr /var /etc /tools /lib64
mkdir -p /boot /home /mnt /opt /srv /run /proc /sys /dev
mkdir -p /etc/opt /etc/sysconfig /usr/lib/firmware
mkdir -p /usr/{,local/}{include,src} /usr/lib/locale /usr/local/{bin,lib,sbin}
mkdir -p /usr/{,local/}share/{color,dict,doc,info,locale,man,misc,terminfo,zoneinfo}
mkdir -p /usr/{,local/}share/man/man{1..8}
mkdir -p /var/{cache,local,log,mail,opt,spool} /var/lib/{color,misc,locate}
ln -sfn /run /var/run
ln -sfn /run/lock /var/lock
install -d -m 0750 /root
install -d -m 1777 /var/tmp

ln -sfn /proc/self/mounts /etc/mtab
cat > /etc/hosts <<'EOT'
127.0.0.1  localhost
::1        localhost
EOT
cat > /etc/passwd <<'EOT'
root:x:0:0:root:/root:/bin/bash
bin:x:1:1:bin:/dev/null:/usr/bin/false
daemon:x:6:6:Daemon User:/dev/null:/usr/bin/false
messagebus:x:18:18:D-Bus Message Daemon User:/run/dbus:/usr/bin/false
uuidd:x:80:80:UUID Generation Daemon User:/dev/null:/usr/bin/false
nobody:x:65534:65534:Unprivileged User:/dev/null:/usr/bin/false
EOT
cat > /etc/group <<'EOT'
root:x:0:
bin:x:1:daemon
sys:x:2:
kmem:x:3:
tape:x:4:
tty:x:5:
daemon:x:6:
floppy:x:7:
disk:x:8:
lp:x:9:
dialout:x:10:
audio:x:11:
video:x:12:
utmp:x:13:
cdrom:x:15:
adm:x:16:
messagebus:x:18:
input:x:24:
mail:x:34:
kvm:x:61:
uuidd:x:80:
wheel:x:97:
users:x:999:
nogroup:x:65534:
EOT
touch /var/log/{btmp,lastlog,faillog,wtmp}
chgrp utmp /var/log/lastlog
chmod 664 /var/log/lastlog
chmod 600 /var/log/btmp
