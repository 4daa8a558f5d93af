// expect: line 9 c.shadowed-variable
#include <stdio.h>

int main(void)
{
    int count = 0;
    int i;
    for (i = 0; i < 3; i++) {
        int count = i;
        printf("%d\n", count);
    }
    printf("%d\n", count);
    return 0;
}
