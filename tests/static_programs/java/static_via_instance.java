// expect: line 9 java.static-via-instance
class Main {
    static int counter = 0;

    static void increase() { counter++; }

    public static void main(String[] args) {
        Main m = new Main();
        m.increase();
        System.out.println(counter);
    }
}
