// expect: line 5 java.empty-statement
class Main {
    public static void main(String[] args) {
        int n = args.length;
        if (n > 1);
        {
            System.out.println("several");
        }
    }
}
