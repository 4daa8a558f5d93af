// expect: line 8 java.finally-abrupt
class Main {
    static int parse(String text) {
        try {
            return Integer.parseInt(text);
        } finally {
            return -1;
        }
    }

    public static void main(String[] args) {
        System.out.println(parse("12"));
    }
}
