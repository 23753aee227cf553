/* walkcwd prints the working directory found without the getcwd system
 * call: walk up through "..", and in each parent find the entry whose
 * inode is the child's, comparing directory-entry inode numbers when
 * parent and child are on the same device (as bash's own getcwd,
 * lib/sh/getcwd.c, does). It fails where a directory is mounted over
 * another on the same device. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
	char path[4096] = "", tmp[4096];
	struct stat root, cur, parent, st;
	if (stat("/", &root) != 0 || stat(".", &cur) != 0) {
		perror("stat");
		return 1;
	}
	while (cur.st_dev != root.st_dev || cur.st_ino != root.st_ino) {
		if (stat("..", &parent) != 0) {
			perror("stat ..");
			return 1;
		}
		DIR *d = opendir("..");
		if (d == NULL) {
			perror("opendir ..");
			return 1;
		}
		int crossing = parent.st_dev != cur.st_dev, found = 0;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (!crossing && e->d_ino != cur.st_ino)
				continue;
			snprintf(tmp, sizeof tmp, "../%s", e->d_name);
			if (lstat(tmp, &st) == 0 && st.st_dev == cur.st_dev && st.st_ino == cur.st_ino) {
				snprintf(tmp, sizeof tmp, "/%s%s", e->d_name, path);
				strcpy(path, tmp);
				found = 1;
				break;
			}
		}
		closedir(d);
		if (!found) {
			fprintf(stderr, "walkcwd: no entry of the parent is the directory below %s\n", path[0] ? path : "(start)");
			return 1;
		}
		if (chdir("..") != 0) {
			perror("chdir ..");
			return 1;
		}
		cur = parent;
	}
	puts(path[0] ? path : "/");
	return 0;
}
