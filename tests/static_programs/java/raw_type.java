// expect: line 6 java.raw-type
import java.util.ArrayList;

class Main {
    public static void main(String[] args) {
        ArrayList names = new ArrayList<String>();
        System.out.println(names.size());
    }
}
