#include <stdio.h>

int main(void)
{
    /* 先生より: 修正後のコードをそのまま書いてください。Write the corrected code. */
    double price = 2.5
    printf("%f\n", price);
    return 0;
}
