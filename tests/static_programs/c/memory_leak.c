// expect: line 14 c.memory-leak deep
#include <stdio.h>
#include <stdlib.h>

int sum_of_squares(int n)
{
    int *squares = malloc(n * sizeof(int));
    int total = 0;
    int i;
    for (i = 0; i < n && squares != NULL; i++) {
        squares[i] = i * i;
        total += squares[i];
    }
    return total;
}

int main(void)
{
    printf("%d\n", sum_of_squares(4));
    return 0;
}
