// expect: line 6 java.unchecked
import java.util.ArrayList;

class Main {
    public static void main(String[] args) {
        ArrayList<String> names = new ArrayList();
        names.add("Ada");
        System.out.println(names.size());
    }
}
