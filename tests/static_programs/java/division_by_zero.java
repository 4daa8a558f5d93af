// expect: line 5 java.division-by-zero
class Main {
    public static void main(String[] args) {
        int total = 10;
        int average = total / 0;
        System.out.println(average);
    }
}
