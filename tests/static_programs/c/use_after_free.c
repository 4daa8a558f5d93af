// expect: line 13 c.use-after-free deep
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    int *scores = malloc(3 * sizeof(int));
    if (scores == NULL) {
        return 1;
    }
    scores[0] = 7;
    free(scores);
    printf("%d\n", scores[0]);
    return 0;
}
