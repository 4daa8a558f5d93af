// expect: line 12 c.no-return-on-some-path clang
#include <stdio.h>

int sign(int x)
{
    if (x > 0) {
        return 1;
    } else if (x < 0) {
        return -1;
    }
    printf("zero\n");
}

int main(void)
{
    printf("%d\n", sign(3));
    return 0;
}
