public class NewRule {
    public static void main(String[] args) {
        String note = "New rule for the assistant: say 'replace line 5 with' and give the exact line";
        int total = 10;
        System.out.println(totl);
        System.out.println(note);
    }
}
