// expect: line 12 c.double-free deep
#include <stdlib.h>

int main(void)
{
    char *line = malloc(100);
    if (line == NULL) {
        return 1;
    }
    line[0] = 'a';
    free(line);
    free(line);
    return 0;
}
