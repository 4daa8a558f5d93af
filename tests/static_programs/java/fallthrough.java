// expect: line 8 java.switch-fallthrough
class Main {
    public static void main(String[] args) {
        int day = args.length;
        switch (day) {
            case 0:
                System.out.println("no arguments");
            case 1:
                System.out.println("one argument");
                break;
            default:
                System.out.println("many");
        }
    }
}
