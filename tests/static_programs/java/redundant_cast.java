// expect: line 6 java.redundant-cast
class Main {
    public static void main(String[] args) {
        int sum = 7;
        int count = 2;
        double average = (int) sum / count;
        System.out.println(average);
    }
}
