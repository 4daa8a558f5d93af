// expect: line 8 java.unchecked
import java.util.ArrayList;

class Main {
    public static void main(String[] args) {
        ArrayList<String> names = new ArrayList<>();
        ArrayList copy = names;
        copy.add("Ada");
        System.out.println(names.size());
    }
}
