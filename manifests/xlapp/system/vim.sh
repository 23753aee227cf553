# LFS 12.3 chapter 8.74: Vim, the administrator's editor.
mkdir src && tar -xf "$SOURCES/vim-9.1.1230.tar.xz" -C src --strip-components=1
cd src
echo '#define SYS_VIMRC_FILE "/etc/vimrc"' >> src/feature.h
./configure --prefix=/usr --with-features=normal --disable-gui --without-x --enable-multibyte
make
make install
ln -sfn vim /usr/bin/vi
cat > /etc/vimrc <<'EOC'
source $VIMRUNTIME/defaults.vim
let skip_defaults_vim=1
set nocompatible
set backspace=2
set mouse=
syntax on
EOC
