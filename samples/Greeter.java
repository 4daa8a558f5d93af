public class Greeter {
    public static void main(String[] args) {
        String name = "Ada";
        int count = "three";
        System.out.println("Hello, " + name);
    }
}
