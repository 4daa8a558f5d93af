#include <stdio.h>

int main(void)
{
    int marks[5] = {70, 85, 90, 65, 80};
    int total = 0
    for (int i = 0; i < 5; i++) {
        total = total + marks[i];
    }
    printf("Average: %d\n", totl / 5);
    return 0;
}
