// expect: line 9 c.loop-past-end
#include <stdio.h>

int main(void)
{
    int squares[10];
    int i;
    for (i = 0; i <= 10; i++) {
        squares[i] = i * i;
    }
    printf("%d\n", squares[3]);
    return 0;
}
